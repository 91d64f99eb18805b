"""Activities (excursions, parent meetings, camp shifts, open days, profprobes, other events),
student rosters and participation: where every count the ministry reads comes from."""
