"""`make demo`: every Moorings server that exists, spawned over stdio exactly as a host spawns it."""
