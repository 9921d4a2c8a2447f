"""Web routes that are not admin screens: sign-in, language switch, later feeds."""
