"""What people read: one module per feature, each returning text and abstract choices."""
