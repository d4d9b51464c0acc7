"""The acceptance test's table: Appendix A of the scrutiny report (February 2016), the position
of each contract measure at the end of Quarter 3 2015/16, word for word."""

APPENDIX_A = {
    "A1": "ON TARGET",
    "A2": "IN TOLERANCE",
    "A3": "OFF TARGET",
    "A4": "IN TOLERANCE",
    "A5": "IN TOLERANCE",
    "A6": "ON TARGET",
    "A7": "ON TARGET",
    "B8": "ON TARGET",
    "B9": "IN TOLERANCE",
    "B10": "IN TOLERANCE",
    "B11": "ON TARGET",
    "B12": "IN TOLERANCE",
    "C14": "IN TOLERANCE",
    "C15": "ON TARGET",
    "C16": "NO TARGET SET",
    "D17a": "OFF TARGET",
    "D17b": "ON TARGET",
    "D17c": "OFF TARGET",
    "D17d": "ON TARGET",
    "D17e": "ON TARGET",
    "D19": "NO TARGET SET",
    "D21": "NO TARGET SET",
}
