"""Reports of posts: anyone reports, administrators resolve."""
