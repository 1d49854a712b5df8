"""Members' voice: suggestions and leads for the hometown, policy notices and FAQ, jobs."""
