# The proxy image: the customer app built by Node, served by nginx beside the routes to the backend.
FROM node:20-slim AS app
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM nginx:1.27
COPY --from=app /frontend/dist /usr/share/nginx/hothour
COPY deploy/nginx.conf /etc/nginx/conf.d/default.conf
# Room for many sockets (the image's own main config allows 1,024 connections per worker).
COPY deploy/nginx-main.conf /etc/nginx/nginx.conf
