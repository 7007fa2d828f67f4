//! Realtime (placeholder).
