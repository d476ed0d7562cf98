"""The risk register (风险点台账, PRODUCT §8): the organization's own risk points and
their monthly status."""
