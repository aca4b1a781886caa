"""The directory: pollutant-discharging units (排污单位) with their Appendix A basic
information, hosting-service agencies (托管服务单位), their people and expert pool."""
