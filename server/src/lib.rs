//! helmd server library.
