"""Survey links (满意度调查链接, R4.2.3.1): issued by the agency, answered by the unit."""
