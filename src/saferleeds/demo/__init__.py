"""Demo data: the persona cast, the seeder and the synthetic partner-data generator."""
