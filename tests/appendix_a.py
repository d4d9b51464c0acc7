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

# The seed's illustrative Quarter 3 2015/16 figure for each of them, as the report prints it
# with its unit. The scrutiny report gives only A3's (87%, section 7.6.7); the rest are made up.
APPENDIX_A_FIGURES = {
    "A1": "19.09%",
    "A2": "80.51%",
    "A3": "87%",
    "A4": "12.51%",
    "A5": "17.18%",
    "A6": "3.17%",
    "A7": "99.53%",
    "B8": "176.05 days",
    "B9": "65.41%",
    "B10": "10.87%",
    "B11": "92.11%",
    "B12": "42.11%",
    "C14": "13.2%",
    "C15": "24%",
    "C16": "83%",
    "D17a": "£1,150,000",
    "D17b": "£310,000",
    "D17c": "£1,640,000",
    "D17d": "24 days",
    "D17e": "£2,100,000",
    "D19": "£48,000",
    "D21": "£1,260,000",
}
# Section 7.6: key measures at the end of Quarter 3 (9 at or above target, 7 within tolerance,
# 3 outside, 3 with no target), which Appendix A adds up to.
KEY_HEADLINE = (
    "9 key measures at or exceeding target, 7 within tolerance, 3 outside tolerance and 3 with "
    "no target set"
)
