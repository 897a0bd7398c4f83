print("qmp-simulator: not yet implemented")
