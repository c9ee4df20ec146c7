"""How the product uses the learning platform: who may learn, and the mails its events cause."""
