import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_employees_columns_follow_the_product_schema():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, is_nullable, data_type FROM information_schema.columns "
            "WHERE table_name = 'employees' AND column_name IN ('org_id', 'assigned_client_id') "
            "ORDER BY column_name"
        )
        assert cursor.fetchall() == [
            ("assigned_client_id", "YES", "bigint"),
            ("org_id", "NO", "bigint"),
        ]


def test_product_tables_exist_under_their_names():
    tables = set(connection.introspection.table_names())
    assert {"organizations", "employees", "clients"} <= tables
