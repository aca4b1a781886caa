"""Region statistics (辖区统计): decided grades per region, agency or unit and year."""
