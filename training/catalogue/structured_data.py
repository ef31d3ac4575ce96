"""schema.org `Course` JSON-LD for course pages, so search engines understand them."""

from __future__ import annotations

from training.catalogue.models import Course, CourseFormat, CourseSession

COURSE_MODE = {CourseFormat.IN_PERSON: "Onsite", CourseFormat.REMOTE: "Online", CourseFormat.HYBRID: "Blended"}


def course_jsonld(course: Course, sessions: list[CourseSession], url: str) -> dict:
    """The JSON-LD object of a course and its upcoming sessions."""
    return {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": course.title,
        "description": course.summary,
        "url": url,
        "inLanguage": course.language,
        "educationalLevel": course.level.value,
        "teaches": [line.strip() for line in course.objectives.splitlines() if line.strip()],
        "coursePrerequisites": course.prerequisites or None,
        "timeRequired": f"PT{course.duration_hours.normalize():f}H",
        "provider": {"@type": "Organization", "name": "GenoTher Training", "sameAs": url.split("/courses/")[0]},
        "offers": {
            "@type": "Offer",
            "category": "Paid" if course.price_eur else "Free",
            "price": f"{course.price_eur:.2f}",
            "priceCurrency": "EUR",
        },
        "hasCourseInstance": [_instance(course, session) for session in sessions],
    }


def _instance(course: Course, session: CourseSession) -> dict:
    return {
        "@type": "CourseInstance",
        "courseMode": COURSE_MODE[course.format],
        "startDate": session.starts_at.isoformat(),
        "endDate": session.ends_at.isoformat(),
        "location": session.place,
        "instructor": [{"@type": "Person", "name": t.name} for t in session.trainers],
        "courseSchedule": {
            "@type": "Schedule",
            "duration": f"PT{session.scheduled_hours.normalize():f}H",
            "repeatCount": len(session.slots),
        },
    }
