"""Region statistics (辖区统计): overdue obligations per region, agency or unit."""
