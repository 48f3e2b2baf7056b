import 'leaflet/dist/leaflet.css';
import './map.css';
