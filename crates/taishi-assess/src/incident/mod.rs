//! Incidents: alerts correlated into attacks on assets.
