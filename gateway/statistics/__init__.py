"""Region statistics (辖区统计) for regulators: one query and one XLSX report over the
engagement, evaluation and compliance services' grouped figures."""
