"""Contracts of the evaluation service (绩效评价, Appendix C)."""
