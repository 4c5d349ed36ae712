"""Administration: changing people, the audit log, reports of posts (/api/admin/...)."""
