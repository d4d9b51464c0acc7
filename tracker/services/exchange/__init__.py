"""Exchange: what comes in and goes out as files: exports (CSV, the workbook), imports (the
tracker's own sheet and any council's mapped sheet), calendar feeds and the spool that streams
big files."""
