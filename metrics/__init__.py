"""Dashboard custom metrics pushed back to Sitoo (issue 7): figures only the warehouse can
compute, shown where store staff already look."""
