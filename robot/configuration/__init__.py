"""Where configuration is read: fakturarobot.yaml (settings.py), YAML with file:line (yamlconf.py),
the master data, check-config (checks.py) and the wiring of a robot from it all.
"""
