"""Pure subtensor rule modules: no chain state, no framework, only integers and fixed point."""
