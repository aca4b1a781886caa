"""The hosting-service workflow (托管服务, figure 1): engagements, their stages and the
steps inside each stage, from the service list to handover and evaluation."""
