"""The demo city and the city-scale data sets for benchmarks, kept apart from the domain: it uses the services, they
never use it."""
