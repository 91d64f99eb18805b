"""The roadmap: sections, plan items and indicators, seeded verbatim from plan.json."""
