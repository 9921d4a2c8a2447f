"""Placeholder replaced by the seed loader."""
DEMO_PASSWORD = "demo"
def is_empty(): return True
def load_all(with_demo_people=True): return []
def demo_logins(): return []
