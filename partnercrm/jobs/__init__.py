"""Holiday jobs for 14–18 year olds (plan item 7): postings, applications, placements."""
