"""ASB complaints, victim risk assessments, interventions and ASB Case Reviews."""
