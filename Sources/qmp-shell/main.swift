print("qmp-shell: not yet implemented")
