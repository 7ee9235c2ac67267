"""Chain-exact numpy Yuma consensus and the emission split."""
