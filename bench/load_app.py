"""The WSGI app bench/load.py runs under gunicorn: the product as deployed, plus one bare insert
endpoint on the same stack (Flask, SQLAlchemy, the same database and gunicorn), the floor that
intake's cost is compared with. Never deployed: it exists only for the benchmark."""
from datetime import datetime

from flask import jsonify, request
from sqlalchemy import String, Text, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column

from hotline.app import create_app
from hotline.extensions import csrf, db
from hotline.timeutil import UTCDateTime, utcnow

app = create_app()


class FloorRow(db.Model):
    __tablename__ = "bench_floor"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(12))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


with app.app_context():
    try:
        FloorRow.__table__.create(db.engine, checkfirst=True)
    except DBAPIError:
        # Every worker imports this: on PostgreSQL two may both find the table missing, and the
        # second's CREATE fails on the first's (a duplicate type), which ended its boot.
        if not inspect(db.engine).has_table(FloorRow.__tablename__):
            raise


@app.post("/bench/floor")
@csrf.exempt  # a JSON client, like the API
def floor():
    body = request.get_json()
    row = FloorRow(channel=body["channel"], content=body["content"], created_at=utcnow())
    db.session.add(row)
    db.session.commit()
    return jsonify(id=row.id), 201
