"""Trajectories: the case file from referral to exit (records), the dates it sets (timeline),
the rules it keeps (rules) and the organisation's lists it draws on (catalogues)."""
