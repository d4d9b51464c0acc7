"""Measures and reports: the contract's performance measures, their values and targets, and the
quarterly report."""
