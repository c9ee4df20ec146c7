"""Lesson videos per language: lms_lessons.video_url (one reference) becomes videos (language -> reference),
like the lesson body, so each learner gets the video in their language.

Revision ID: d9e0f1a2b3c4
Revises: c8d9e0f1a2b3
Create Date: 2026-12-11 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd9e0f1a2b3c4'
down_revision = 'c8d9e0f1a2b3'
branch_labels = None
depends_on = None

LESSONS = sa.table('lms_lessons', sa.column('id', sa.Integer), sa.column('course_id', sa.Integer),
                   sa.column('video_url', sa.String(200)), sa.column('videos', sa.JSON(none_as_null=True)))
COURSES = sa.table('lms_courses', sa.column('id', sa.Integer), sa.column('languages', sa.JSON))


def upgrade():
    with op.batch_alter_table('lms_lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('videos', sa.JSON(none_as_null=True), nullable=True))
    # A lesson had one video for all its course's languages.
    bind = op.get_bind()
    rows = bind.execute(sa.select(LESSONS.c.id, LESSONS.c.video_url, COURSES.c.languages)
                        .join(COURSES, COURSES.c.id == LESSONS.c.course_id)
                        .where(LESSONS.c.video_url.is_not(None))).all()
    for lesson_id, video_url, languages in rows:
        bind.execute(LESSONS.update().where(LESSONS.c.id == lesson_id)
                     .values(videos=dict.fromkeys(languages, video_url)))
    with op.batch_alter_table('lms_lessons', schema=None) as batch_op:
        batch_op.drop_column('video_url')


def downgrade():
    with op.batch_alter_table('lms_lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('video_url', sa.String(length=200), nullable=True))
    # One video only: the one of the course's first language (the fallback for every other).
    bind = op.get_bind()
    rows = bind.execute(sa.select(LESSONS.c.id, LESSONS.c.videos, COURSES.c.languages)
                        .join(COURSES, COURSES.c.id == LESSONS.c.course_id)
                        .where(LESSONS.c.videos.is_not(None))).all()
    for lesson_id, videos, languages in rows:
        bind.execute(LESSONS.update().where(LESSONS.c.id == lesson_id)
                     .values(video_url=videos.get(languages[0]) or next(iter(videos.values()))))
    with op.batch_alter_table('lms_lessons', schema=None) as batch_op:
        batch_op.drop_column('videos')
