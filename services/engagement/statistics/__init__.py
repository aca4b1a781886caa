"""Region statistics (辖区统计): the engagement service's figures per region, agency or
unit, aggregated in SQL for regulators."""
