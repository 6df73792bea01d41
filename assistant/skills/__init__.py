"""Built-in skills: what the assistant does once a command is recognised."""

from assistant.skills.dispatch import Reply, Skills, SkillsConfig

__all__ = ["Reply", "Skills", "SkillsConfig"]
