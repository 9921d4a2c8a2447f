"""Benchmarks of the scheduling engine: seeded CPAS-shaped instances, a runner and a FET peer."""
