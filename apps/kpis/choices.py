from django.db import models


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Aggregation(models.TextChoices):
    MEAN = "mean", "Mean"
    SUM = "sum", "Sum"
    MIN = "min", "Minimum"
    MAX = "max", "Maximum"
    LATEST = "latest", "Latest"
    RATIO = "ratio", "Ratio of sums (Σ numerators ÷ Σ denominators)"


class BandSource(models.TextChoices):
    DORA = "dora", "DORA"
    ORGANISATION = "organisation", "Organisation"


class Band(models.TextChoices):
    ELITE = "elite", "Elite"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
