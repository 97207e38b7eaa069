"""The built-in rule kinds, one module per family: :mod:`.conduct` (what officers say), :mod:`.statements`
(what they must say, and when), :mod:`.procedure` (what must happen in order), :mod:`.agitation`
(how it is said: prosody against the speaker's baseline) and :mod:`.media` (what the picture and the
recording's integrity show).

Each module registers its kinds with :func:`rules.registry.register_rule_kind` when imported; the
registry imports them all before it loads a pack, so a pack may name any of them.
"""
