"""Built-in writers: a plan in; iCalendar, FIT workouts, JSON, HTML pages and platform files out."""
