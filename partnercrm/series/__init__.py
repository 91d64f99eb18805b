"""Weekly series of a school's classes (DESIGN §8): sessions made as activities."""
