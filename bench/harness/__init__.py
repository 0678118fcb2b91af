"""What the benches share: the bench settings and URLs (floor views), seeding, load, the table."""
