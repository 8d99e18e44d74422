"""Buy-till-you-die models (BG/NBD, Pareto/NBD, MBG/NBD) and the Gamma-Gamma spend model."""
