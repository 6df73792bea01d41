"""Voice commands: YAML grammars, their compiled automaton and intent recognition."""
