"""National Referral Mechanism referrals and their decisions."""
