//! linear algebra
