"""The console's pages: every module here has ``router = APIRouter()`` and is served as it is
(``robot.web.app`` finds them with ``pkgutil.iter_modules``; there is no list to edit)."""
