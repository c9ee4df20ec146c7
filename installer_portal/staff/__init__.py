"""Staff: the actions support takes (checked, carried out by the owning feature, audited), the audit log of
any subject, and the console's read model of people."""
