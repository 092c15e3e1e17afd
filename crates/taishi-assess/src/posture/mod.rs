//! Posture: the hierarchical threat index, its level, trend and forecast.
